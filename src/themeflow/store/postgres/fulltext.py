"""placeholder"""
MIGRATIONS: list[tuple[str, str]] = []
