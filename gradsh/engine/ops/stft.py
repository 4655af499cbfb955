"""torch.stft: the short-time Fourier transform, composed as PyTorch composes it.

torch.functional.stft pads a centered signal (reflect by default), then aten's stft frames it (n_fft samples
every hop_length), multiplies by the window (zero-padded to n_fft, centered), runs a one-sided (real input)
or full FFT over each frame, transposes to (freq, frames) in place and squeezes a 1-D input's batch in
place: the nodes FftR2CBackward0 / TransposeBackward1 / SqueezeBackward4 PyTorch records.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..registry import op
from ..tensor import Tensor
from .complex_ops import view_as_real
from .fft import fft, rfft
from .linalg import _squeeze0_
from .padding import pad
from .rnn import transposed_in_place

_NO_WINDOW = (
    "A window was not provided. A rectangular window will be applied,which is known to cause spectral leakage. "
    "Other windows such as torch.hann_window or torch.hamming_window are recommended to reduce spectral leakage.To "
    "suppress this warning and use a rectangular window, explicitly set `window=torch.ones(n_fft, device=<device>)`. "
    "(Triggered internally at /__w/pytorch/pytorch/aten/src/ATen/native/SpectralOps.cpp:835.)"
)
_REAL_OUTPUT = (
    "stft with return_complex=False is deprecated. In a future pytorch release, stft will return complex tensors "
    "for all inputs, and return_complex=False will raise an error.\nNote: you can still call torch.view_as_real on "
    "the complex output to recover the old return format. (Triggered internally at "
    "/__w/pytorch/pytorch/aten/src/ATen/native/SpectralOps.cpp:874.)"
)
_warned: set[str] = set()


def _warn_once(text: str) -> None:
    """PyTorch's TORCH_WARN_ONCE: once a process."""
    if text not in _warned:
        _warned.add(text)
        warnings.warn(text, UserWarning, stacklevel=4)


def _describe(t: Tensor | None) -> str:
    if t is None:
        return "None"
    return f"{t.dtype.legacy_type}{{{list(t.shape)}}}"


def _flag(value: Any) -> str:
    return "None" if value is None else str(int(bool(value)))


@op("stft")
def stft(input: Tensor, n_fft: int, hop_length: int | None = None, win_length: int | None = None,
         window: Tensor | None = None, center: bool = True, pad_mode: str = "reflect", normalized: bool = False,
         onesided: bool | None = None, return_complex: bool | None = None,
         align_to_window: bool | None = None) -> Tensor:
    if center:  # torch.functional.stft: the signal padded by n_fft // 2 on each side
        signal_dim = input.dim()
        extended = [1] * (3 - signal_dim) + list(input.shape)
        half = n_fft // 2
        input = pad(input.view(tuple(extended)), [half, half], pad_mode)
        input = input.view(tuple(input.shape[-signal_dim:]))
    hop = n_fft // 4 if hop_length is None else hop_length
    win = n_fft if win_length is None else win_length
    if return_complex is None and not input.dtype.is_complex and not (window is not None and window.dtype.is_complex):
        raise RuntimeError("stft requires the return_complex parameter be given for real inputs, and will further "
                           "require that return_complex=True in a future PyTorch release.")
    if return_complex is False:
        _warn_once(_REAL_OUTPUT)
    if window is None:
        _warn_once(_NO_WINDOW)

    def fail(why: str) -> RuntimeError:
        shape = str(list(input.shape)).replace(" ", "")
        return RuntimeError(
            f"stft({input.dtype.legacy_type}[{shape[1:-1].replace(',', ', ')}], n_fft={n_fft}, hop_length={hop}, "
            f"win_length={win}, window={_describe(window)}, normalized={_flag(normalized)}, "
            f"onesided={_flag(onesided)}, return_complex={_flag(return_complex)}, "
            f"align_to_window={_flag(align_to_window)}) : {why}")

    if input.dim() not in (1, 2):
        raise fail("expected a 1D or 2D tensor")
    signal = input.unsqueeze(0) if input.dim() == 1 else input
    length = signal.shape[1]
    if n_fft <= 0 or n_fft > length:
        raise fail(f"expected 0 < n_fft < {length}, but got n_fft={n_fft}")
    if hop <= 0:
        raise fail(f"expected hop_length > 0, but got hop_length={hop}")
    if win <= 0 or win > n_fft:
        raise fail(f"expected 0 < win_length <= n_fft, but got win_length={win}")
    if window is not None and (window.dim() != 1 or window.shape[0] != win):
        raise fail(f"expected a 1D window tensor of size equal to win_length={win}, but got window with size "
                   f"{list(window.shape)}")
    frames = signal.unfold(-1, n_fft, hop)
    if window is not None or win < n_fft:
        left = (n_fft - win) // 2
        if window is None:
            full = np.zeros(n_fft, signal.dtype.np)
            full[left:left + win] = 1
            window = Tensor._wrap(full, signal.dtype)
        elif win < n_fft:
            window = pad(window, [left, n_fft - win - left])
        frames = frames * window
    complex_input = frames.dtype.is_complex
    onesided = (not complex_input) if onesided is None else onesided
    norm = "ortho" if normalized else "backward"
    out = rfft(frames, dim=-1, norm=norm) if onesided and not complex_input else fft(frames, dim=-1, norm=norm)
    out = transposed_in_place(out, 1, 2)
    if input.dim() == 1:
        out = _squeeze0_(out)
    return out if return_complex or complex_input and return_complex is None else view_as_real(out)
