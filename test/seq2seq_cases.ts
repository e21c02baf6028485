// test/seq2seq_cases.ts: the configurations test/fixtures/gen_seq2seq.py writes (one folder each under test/fixtures/seq2seq/).
export const CASES = ['luong_general', 'luong_dot_copy', 'luong_concat_gru', 'bahdanau_tutorial', 'bahdanau_cell_context', 'tied_general'];
