"""The skorch net of the recurrent models."""

from skorch import NeuralNet

__all__ = ["GrooveNeuralNet"]


class GrooveNeuralNet(NeuralNet):
    """skorch's ``NeuralNet``, whose optimizer a net loaded only to play is spared.

    Making the first optimizer of a process imports much of torch (about
    1.5 s on 2 cores): a pretrained model loaded for ``predict`` does without
    it (``playing=True``); fitting the estimator builds a new net, with its
    optimizer.
    """

    def __init__(self, module, criterion, *, playing=False, **kwargs):
        super().__init__(module, criterion, **kwargs)
        self.playing = playing

    def initialize_optimizer(self, triggered_directly=None):
        if self.playing:
            return self
        return super().initialize_optimizer(triggered_directly)
