"""Placeholder: filled by the delivery engine."""


class VerificationFailed(Exception):
    def __init__(self, cause: str):
        super().__init__(cause)
        self.cause = cause
