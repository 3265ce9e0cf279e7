"""pytest setup shared by tests/ and the doctests in sklearn_dymo/.

CI runs pytest-xdist on two cores: one torch thread per worker avoids
oversubscription, where spin-waiting threads cost many times the work.
"""

import torch

torch.set_num_threads(1)
