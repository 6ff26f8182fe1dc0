"""onefold.demo"""
