"""Suggestions that learn the user's taste, on the user's machine only.

:mod:`.corpus` records the balance the user chose (on export and session save) in a
personal corpus in the data folder; :mod:`.model` fits offsets per role and context on
top of the default model, shrunk toward zero while there are few sessions;
:mod:`.examples` turns the corpus into training pairs and scores personal against
default by leave-one-session-out. Nothing here touches the network.
"""
