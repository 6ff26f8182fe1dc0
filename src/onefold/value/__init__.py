"""onefold.value"""
