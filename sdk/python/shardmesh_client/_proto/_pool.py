"""The descriptor pool our generated stubs register in (see sdk/python/generate.py).

Private, so that tritonclient's stubs of the same `inference` package, which register in
protobuf's default pool, and ours load in one process without a "duplicate symbol" error.
"""

from google.protobuf import descriptor_pool

POOL = descriptor_pool.DescriptorPool()
