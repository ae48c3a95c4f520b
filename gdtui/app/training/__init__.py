"""The app's end of the training process: the link that sends it requests and routes its
replies (:mod:`.link`), and the supervisor that replaces it when it dies (:mod:`.supervisor`).
"""
