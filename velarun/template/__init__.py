"""Templates: the engines that expand Vela's templated pipelines (Go templates for now)."""
