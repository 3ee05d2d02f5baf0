ecoh hello
