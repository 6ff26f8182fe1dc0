"""onefold.identity"""
