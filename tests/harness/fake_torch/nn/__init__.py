"""torch.nn of the fake backend."""


class Parameter:
    def __init__(self, value: int) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Parameter({self.value})"
