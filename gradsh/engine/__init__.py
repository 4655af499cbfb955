"""gradsh's autograd engine on numpy; `gradsh.torch` re-exports it under PyTorch's names."""

import numpy as _np

# PyTorch never warns on overflow, 0/0 or log(0): it returns inf/nan silently. Switching
# numpy's floating-point warnings off once here keeps numpy's RuntimeWarnings out of
# transcripts and spares every op an np.errstate block on the hot path.
_np.seterr(all="ignore")

# Importing any engine module gives the whole engine: Tensor gets every declared op here, whatever was
# imported first (a submodule's import runs this package's __init__ before the submodule itself).
from . import methods as _methods  # noqa: F401
