"""calfcheck: a computer-vision form checker for calf rehabilitation.

Pipeline: video (``video``) → pose landmarks (``pose``) → plantarflexion angle / heel lift
(``signals``) → smoothing (``filters``) → reps and phases (``tempo``) → scores and band advice
(``scoring``) → reports (``report``), overlays (``annotate``, ``render``) and live cues (``live``).
``analysis.analyse_track`` is the one chain from landmarks to a scored ``types.Session``;
``pipeline`` (``FormChecker`` offline, ``LiveCoach`` live) is the only module that knows every stage.
The body model is data (``skeleton``); batch scoring is the ``batch`` package. This package never
imports streamlit.
"""

__version__ = "0.1.0"
