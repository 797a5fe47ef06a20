package afterme.daemon.log;

/** An append the writer has accepted, with the reply it will get once written (and, if it asked, synced). */
record Staged(Append append, AppendResult result) {
}
