"""A simulated commune network of network-namespace hosts with real sshd (see network.py).

python -m tests.lab up --hosts 10     # start (removes any earlier lab first)
python -m tests.lab demo --hosts 10   # start, audit, write a signed report, compare
python -m tests.lab down              # remove everything, also after a crash
"""
