"""onefold.activate"""
