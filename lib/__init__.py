"""Small helpers every app may import and that import none of the apps: the bottom layer
(pyproject's layers contract). Structured logs, the security headers, the database-down answer,
/health/."""
