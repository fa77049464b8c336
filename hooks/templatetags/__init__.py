"""Template tags and filters of the console's templates. May import: hooks.views and below."""
