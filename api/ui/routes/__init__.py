"""The web UI's routers, one module per screen."""
