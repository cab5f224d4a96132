"""Migration scripts (one per revision); a package so they ship with the distribution."""
