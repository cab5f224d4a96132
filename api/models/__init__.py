"""Request and response models of the API (pydantic), kept apart from events and tables."""
