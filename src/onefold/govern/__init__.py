"""onefold.govern"""
