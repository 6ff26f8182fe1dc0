"""onefold.collect"""
