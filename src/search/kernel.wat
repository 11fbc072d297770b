;; The byte side of the literal search (src/search/literals.ts explains the method). Compiled to WebAssembly at
;; build time (scripts/wasm.mjs) and embedded in the bundle. The caller owns the memory and its layout:
;;
;;   [0, 65536)         gram table: a byte per slot; bit b set when some needle's gram has that slot and sub-hash b
;;   out .. outEnd      u32 hit positions written by $find
;;   counts             2^16 saturating u16 counters written by $tally
;;   the text           read by every function, never written
;;
;; A gram is the 4 bytes at a position (little-endian u32) OR'ed with $fold: 0x20 on every byte folds ASCII case
;; (it merges a few other bytes too; the caller's exact check sorts those out), and 0xff in the top byte makes
;; it a 3-byte gram. Its hash is one multiplication: the top 16 bits are the slot, the next 3 the sub-hash.
;; $find looks at every second position: each needle registers two consecutive grams, so one of them starts at
;; a position $find looks at. A 3-byte gram still loads 4 bytes: the byte after the text must be readable.
(module
  (import "env" "memory" (memory 1))
  (global $fold (mut i32) (i32.const 0x20202020))
  (global $gramBytes (mut i32) (i32.const 4))

  (func (export "configure") (param $gramBytes i32)
    (global.set $gramBytes (local.get $gramBytes))
    (global.set $fold (select (i32.const 0xff202020) (i32.const 0x20202020) (i32.eq (local.get $gramBytes) (i32.const 3)))))

  (func $hash (param $p i32) (result i32)
    (i32.mul (i32.or (i32.load (local.get $p)) (global.get $fold)) (i32.const 0x9E3779B1)))

  ;; The gram at $p is in the table: its slot has the bit of its sub-hash.
  (func $member (param $p i32) (result i32)
    (local $h i32)
    (local.set $h (call $hash (local.get $p)))
    (i32.and
      (i32.load8_u (i32.shr_u (local.get $h) (i32.const 16)))
      (i32.shl (i32.const 1) (i32.and (i32.shr_u (local.get $h) (i32.const 13)) (i32.const 7)))))

  ;; Positions $p, $p+2, ... whose gram is in the table, for grams inside [$p, $end). Stops early once out
  ;; reaches $outEnd (room for 8 more is needed past it; the caller resumes after the last hit). Returns the
  ;; number of hits written.
  (func (export "find") (param $p i32) (param $end i32) (param $out i32) (param $outEnd i32) (result i32)
    (local $o i32) (local $q i32) (local $blockEnd i32) (local $last i32) (local $fold i32)
    (local.set $fold (global.get $fold))
    (local.set $o (local.get $out))
    ;; 16-byte blocks while the block's last gram (at +14) fits, then single positions.
    (local.set $last (i32.sub (local.get $end) (global.get $gramBytes)))
    (local.set $blockEnd (i32.sub (local.get $last) (i32.const 14)))
    (block $done
      (block $blocksDone (loop $blocks
        (br_if $blocksDone (i32.gt_s (local.get $p) (local.get $blockEnd)))
        ;; Eight slot probes and one branch: in log text almost every block is a miss. The probes are
        ;; written out because V8 does not inline calls; a hit block is checked again with the sub-hash.
        (if (i32.or
              (i32.or
                  (i32.or (i32.load8_u (i32.shr_u (i32.mul (i32.or (i32.load offset=0 (local.get $p)) (local.get $fold)) (i32.const 0x9E3779B1)) (i32.const 16)))
                          (i32.load8_u (i32.shr_u (i32.mul (i32.or (i32.load offset=2 (local.get $p)) (local.get $fold)) (i32.const 0x9E3779B1)) (i32.const 16))))
                  (i32.or (i32.load8_u (i32.shr_u (i32.mul (i32.or (i32.load offset=4 (local.get $p)) (local.get $fold)) (i32.const 0x9E3779B1)) (i32.const 16)))
                          (i32.load8_u (i32.shr_u (i32.mul (i32.or (i32.load offset=6 (local.get $p)) (local.get $fold)) (i32.const 0x9E3779B1)) (i32.const 16)))))
                (i32.or
                  (i32.or (i32.load8_u (i32.shr_u (i32.mul (i32.or (i32.load offset=8 (local.get $p)) (local.get $fold)) (i32.const 0x9E3779B1)) (i32.const 16)))
                          (i32.load8_u (i32.shr_u (i32.mul (i32.or (i32.load offset=10 (local.get $p)) (local.get $fold)) (i32.const 0x9E3779B1)) (i32.const 16))))
                  (i32.or (i32.load8_u (i32.shr_u (i32.mul (i32.or (i32.load offset=12 (local.get $p)) (local.get $fold)) (i32.const 0x9E3779B1)) (i32.const 16)))
                          (i32.load8_u (i32.shr_u (i32.mul (i32.or (i32.load offset=14 (local.get $p)) (local.get $fold)) (i32.const 0x9E3779B1)) (i32.const 16))))))
          (then
            (local.set $q (local.get $p))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (loop $inBlock
              (if (call $member (local.get $q))
                (then
                  (i32.store (local.get $o) (local.get $q))
                  (local.set $o (i32.add (local.get $o) (i32.const 4)))))
              (local.set $q (i32.add (local.get $q) (i32.const 2)))
              (br_if $inBlock (i32.lt_u (local.get $q) (local.get $p))))
            (br_if $done (i32.ge_u (local.get $o) (local.get $outEnd)))
            (br $blocks)))
        (local.set $p (i32.add (local.get $p) (i32.const 16)))
        (br $blocks)))
      (loop $tail
        (br_if $done (i32.gt_s (local.get $p) (local.get $last)))
        (if (call $member (local.get $p))
          (then
            (i32.store (local.get $o) (local.get $p))
            (local.set $o (i32.add (local.get $o) (i32.const 4)))
            (br_if $done (i32.ge_u (local.get $o) (local.get $outEnd)))))
        (local.set $p (i32.add (local.get $p) (i32.const 2)))
        (br $tail)))
    (i32.shr_u (i32.sub (local.get $o) (local.get $out)) (i32.const 2)))

  ;; How many bytes in [$p, $end) equal $byte (newlines, for line numbers): 16 at a time.
  (func (export "count") (param $p i32) (param $end i32) (param $byte i32) (result i32)
    (local $n i32) (local $needle v128) (local $acc v128) (local $k i32) (local $last16 i32)
    (local.set $needle (i8x16.splat (local.get $byte)))
    (local.set $last16 (i32.sub (local.get $end) (i32.const 16)))
    (block $vectors
      (loop $batch
        (br_if $vectors (i32.gt_s (local.get $p) (local.get $last16)))
        ;; Byte lanes count to at most 255 before they are widened and added up.
        (local.set $acc (v128.const i64x2 0 0))
        (local.set $k (i32.const 255))
        (block $full
          (loop $lanes
            (br_if $full (i32.gt_s (local.get $p) (local.get $last16)))
            (local.set $acc (i8x16.sub (local.get $acc) (i8x16.eq (v128.load (local.get $p)) (local.get $needle))))
            (local.set $p (i32.add (local.get $p) (i32.const 16)))
            (local.set $k (i32.sub (local.get $k) (i32.const 1)))
            (br_if $lanes (local.get $k))))
        (local.set $acc (i32x4.extadd_pairwise_i16x8_u (i16x8.extadd_pairwise_i8x16_u (local.get $acc))))
        (local.set $n
          (i32.add (local.get $n)
            (i32.add
              (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
              (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc))))))
        (br $batch)))
    (block $done
      (loop $bytes
        (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
        (local.set $n (i32.add (local.get $n) (i32.eq (i32.load8_u (local.get $p)) (local.get $byte))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $bytes)))
    (local.get $n))

  ;; Adds every gram in [$p, $end) to the counter of its slot (u16 at $counts + 2 * slot, saturating): how
  ;; common each candidate gram is in a sample of the text about to be searched.
  (func (export "tally") (param $p i32) (param $end i32) (param $counts i32)
    (local $at i32) (local $n i32)
    (local.set $end (i32.sub (local.get $end) (i32.const 4)))
    (block $done
      (loop $grams
        (br_if $done (i32.gt_s (local.get $p) (local.get $end)))
        (local.set $at
          (i32.add (local.get $counts) (i32.shl (i32.shr_u (call $hash (local.get $p)) (i32.const 16)) (i32.const 1))))
        (local.set $n (i32.load16_u (local.get $at)))
        (i32.store16 (local.get $at) (i32.add (local.get $n) (i32.ne (local.get $n) (i32.const 0xffff))))
        (local.set $p (i32.add (local.get $p) (i32.const 1)))
        (br $grams))))
)
