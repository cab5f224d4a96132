"""The Faust app and the document pipeline stages (pure functions in stages/, wiring in agents/)."""
