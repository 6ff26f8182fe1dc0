"""onefold.store"""
