"""Imported once by the analysis fork server, so that its workers start warm.

Workers are forked from the server, so whatever it imported they share, already
imported: a worker then starts in about 50 ms instead of the second or two that
importing scipy and Essentia costs in every fresh process. Nothing else imports
this module; importing it is its whole purpose.
"""

import os

# The workers are the parallelism: BLAS threads inside each would only contend for
# the same cores (measured: 3x slower per track with two workers on two cores).
for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")

import essentia  # noqa: E402

# Essentia logs every processing step at INFO level on stderr.
essentia.log.infoActive = False

import essentia.standard  # noqa: E402
import pyloudnorm  # noqa: E402
import scipy.fft  # noqa: E402
import scipy.signal  # noqa: E402
import scipy.sparse  # noqa: E402
import soundfile  # noqa: E402
import soxr  # noqa: E402

import drumassist.analysis.analyse  # noqa: E402
import drumassist.analysis.fast  # noqa: E402
import drumassist.analysis.paper  # noqa: E402, F401

del essentia.standard, pyloudnorm, scipy, soundfile, soxr
