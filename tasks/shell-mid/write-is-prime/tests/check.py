import os
import sys

sys.path.insert(0, os.environ.get('SWERL_SANDBOX_ROOT', '') + '/app')

from primes import is_prime, primes_up_to

assert [n for n in range(-3, 30) if is_prime(n)] == [2, 3, 5, 7, 11, 13, 17, 19, 23, 29]
assert is_prime(7919) and not is_prime(7917) and not is_prime(1)
assert primes_up_to(20) == [2, 3, 5, 7, 11, 13, 17, 19] and primes_up_to(1) == []
