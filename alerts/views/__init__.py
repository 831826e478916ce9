"""Portal views: thin, they call the scoped selectors and the services and render."""
