"""The shape every optimizer here but LBFGS shares: each parameter with a gradient is updated on its own, from
its gradient (negated under maximize) and its state, which is made on its first step."""

from __future__ import annotations

import numpy as np

from ..tensor import Tensor
from .optimizer import Optimizer


class ParamwiseOptimizer(Optimizer):
    def _update_group(self, group: dict) -> None:
        maximize = group.get("maximize", False)
        for p in group["params"]:
            if p.grad is None:
                continue
            self._check_param(p)
            state = self.state[p] if self._keeps_state(group) else {}
            if not state:
                self._init_state(p, state, group)
            g = p.grad._data
            self._update_param(p, -g if maximize else g, state, group)

    def _keeps_state(self, group: dict) -> bool:
        """Whether the group's parameters have state (SGD without momentum has none, not even an empty dict)."""
        return True

    def _check_param(self, p: Tensor) -> None:
        """Refuse a parameter before any state is made for it (PyTorch's _init_group checks)."""

    def _init_state(self, p: Tensor, state: dict, group: dict) -> None:
        """Fill a parameter's empty state."""

    def _update_param(self, p: Tensor, grad: np.ndarray, state: dict, group: dict) -> None:
        raise NotImplementedError
