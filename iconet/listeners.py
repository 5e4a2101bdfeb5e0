"""Events a part of the portal is told of by the module that fires them, without that module
importing it: the part registers its function at start-up (its `AppConfig.ready`), the module
calls every registered function where the event happens, in the caller's transaction."""

from collections.abc import Callable
from typing import Any


class Listeners:
    """The functions told of one event, in the order they were registered; each is called with
    the event's keyword arguments. A function registered twice is told once."""

    def __init__(self) -> None:
        self.functions: list[Callable[..., Any]] = []

    def register(self, function: Callable[..., Any]) -> Callable[..., Any]:
        if function not in self.functions:
            self.functions.append(function)
        return function

    def tell(self, **event: Any) -> None:
        for function in list(self.functions):
            function(**event)
