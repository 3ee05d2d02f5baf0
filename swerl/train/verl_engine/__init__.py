"""verl engine (GPU, production): `main_ppo` overrides rendered from config.yaml and a swerl AgentLoop."""
