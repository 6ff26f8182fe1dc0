"""onefold.ui"""
