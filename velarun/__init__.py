"""velarun: run Vela CI pipelines locally with the Vela server's semantics."""

__version__ = "0.1.0"
