"""pykala: harvester and archive of Finnish municipal meeting minutes (pöytäkirjat).

Installed, this is the one import root (pykala.cli, pykala.harvester, pykala.storage, …);
in the repository its directory is the repository itself (README, "Development").
"""
