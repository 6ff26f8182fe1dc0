"""onefold.segments"""
