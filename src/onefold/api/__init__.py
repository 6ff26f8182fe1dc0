"""onefold.api"""
