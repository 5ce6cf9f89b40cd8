"""The commands of the pykala CLI, one module per group; cli.py assembles them."""
