"""The training core: configuration, data, trainers and history. Never imports Textual."""
