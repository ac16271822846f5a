"""The built-in merge methods; ``studio.merge.registry`` lists them."""
