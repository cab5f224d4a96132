"""Demo submissions made by the project itself: emails from ISO brokers with truth files.

`generate_demo_set(out_dir, n, seed)` writes NNN.eml and NNN.truth.json (the contract of
../shared/samples/README.md) so demos, benchmarks and extra scoring need nothing outside the repo.
"""

from infra.demo.generate import generate_demo_set

__all__ = ["generate_demo_set"]
