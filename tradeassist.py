"""`%load_ext tradeassist` entry point: re-exports the IPython extension from kernels."""
