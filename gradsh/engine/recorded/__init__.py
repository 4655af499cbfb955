"""Data recorded from real PyTorch 2.13 by scripts/record_torch_api.py; read by gradsh/engine/torch_api.py."""
