"""Held-out evaluation (`swerl eval`) and the local trainer's validation: trials through the training stack → pass@k."""
