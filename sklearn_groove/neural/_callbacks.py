"""skorch callbacks used by the recurrent models' training."""

import copy

import torch
from skorch.callbacks import Callback

__all__ = ["TimeLeft", "WeightAverage"]

#: A fit expected to take longer than this (seconds) says so even at verbose=0.
LONG_FIT = 300.0


class TimeLeft(Callback):
    """After the first epoch, say how long the whole fit will take at most (early stopping may end it sooner).

    With ``verbose`` the estimate is printed to stderr; without, a fit that
    will take longer than :data:`LONG_FIT` seconds warns once, so that a
    40-minute fit started from a notebook does not look hung.
    """

    def __init__(self, name, verbose=0):
        self.name, self.verbose = name, verbose

    def on_epoch_end(self, net, **kwargs):
        import sys
        import warnings

        history = net.history
        if len(history) != 1 or net.max_epochs <= 1:
            return
        seconds = history[-1]["dur"]
        total = seconds * net.max_epochs
        message = (f"{self.name}.fit: the first epoch took {seconds:.0f} s; {net.max_epochs} epochs take at most "
                   f"about {total / 60:.0f} min on this machine")
        if self.verbose:
            print(message, file=sys.stderr, flush=True)
        elif total > LONG_FIT:
            warnings.warn(message + " (verbose=1 shows each epoch; fewer max_epochs or smaller module__* sizes "
                          "are quicker)", UserWarning, stacklevel=2)


class WeightAverage(Callback):
    """Validate, checkpoint and keep an exponential moving average of the weights.

    After each training batch the average moves towards the weights by
    ``1 - decay``. When the epoch's validation starts (or training ends
    without one), the network takes the averaged weights, so the validation
    loss, the callbacks at the epoch's end (early stopping, checkpoints) and
    the fitted model all see them; the next epoch trains on from the raw
    weights.
    """

    def __init__(self, decay):
        self.decay = decay

    def __repr__(self):
        return f"WeightAverage({self.decay!r})"

    def initialize(self):
        if not 0 < self.decay < 1:
            raise ValueError(f"WeightAverage's decay must lie in (0, 1), got {self.decay!r}")
        self.average_, self.raw_ = None, None
        return self

    def on_epoch_begin(self, net, **kwargs):
        if self.raw_ is not None:
            net.module_.load_state_dict(self.raw_)
            self.raw_ = None

    @torch.no_grad()
    def on_batch_end(self, net, batch=None, training=None, **kwargs):
        if not training:
            return
        state = net.module_.state_dict()
        if self.average_ is None:
            self.average_ = copy.deepcopy(state)
            return
        for name, value in state.items():
            if value.is_floating_point():
                self.average_[name].lerp_(value, 1.0 - self.decay)
            else:
                self.average_[name].copy_(value)

    def _use_average(self, net):
        if self.raw_ is None and self.average_ is not None:
            self.raw_ = copy.deepcopy(net.module_.state_dict())
            net.module_.load_state_dict(self.average_)

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if not training:
            self._use_average(net)

    def on_train_end(self, net, **kwargs):
        self._use_average(net)
