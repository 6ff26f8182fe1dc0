"""onefold.schema"""
