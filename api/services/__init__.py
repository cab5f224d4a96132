"""What the routes call: small functions with keyword-only arguments over sessions and clients."""
