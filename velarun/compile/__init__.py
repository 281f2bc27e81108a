"""Phase 2, compile: a loaded pipeline plus rule data -> the Plan."""
