"""The animation wing: GIFs of optimizers descending surfaces, specs, and pictures of many starts.

matplotlib and Pillow are imported here and nowhere below this wing.
"""
