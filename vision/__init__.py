"""calfcheck: a computer-vision form checker for calf rehabilitation.

Pipeline: video (``video``) → pose landmarks (``pose``) → plantarflexion angle / heel lift
(``signals``) → smoothing (``filters``) → reps and phases (``tempo``) → scores and band advice
(``scoring``) → reports (``report``). ``pipeline.FormChecker`` ties the stages together. This package
never imports streamlit.
"""

__version__ = "0.1.0"
