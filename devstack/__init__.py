"""Local stack tooling: provisioning moto from infra/template.json. Never shipped to Lambda."""
