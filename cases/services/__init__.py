"""Writes of case records (imports of the legacy caseload and of a generated world)."""
