#!/usr/bin/env python3
"""Design probe (issue 16): does scoring each actor of a contrast sentence on its own clause separate
two actors better than scoring the whole sentence? Where a contrast boundary (", while", ", but",
", unlike", "whereas", "although", "however", "yet", ";") puts a sentence's targets in different
clauses, each target is scored on its clause alone with `stance score --precision fp32`; every other
pair is scored on the whole sentence. Prints macro F1 both ways on a split of the actor-stance corpus:
overall, on the pairs that were split, and on the usual subsets. Measured on validation only.

Usage: python3 scripts/actor-corpus/clause_probe.py data/actor-stance/corpus.jsonl validation MODEL_DIR
"""
import json, re, subprocess, sys, collections
BOUND = re.compile(r"(?:[,;:]\s*|\s+)(?=(?:while|whereas|but|unlike|although|though|however|yet)\b)|;\s*", re.I)
def segments(text):
    cuts=[0]+[m.end() if text[m.start()]==';' and m.group(0).strip()==';' else m.start() for m in BOUND.finditer(text)]+[len(text)]
    cuts=sorted(set(cuts))
    return [(cuts[i],cuts[i+1]) for i in range(len(cuts)-1)]
def plan(text, spans):
    segs=segments(text)
    seg_of=[next(i for i,(a,b) in enumerate(segs) if a<=s<b or (s==b==len(text))) for s,e in spans]
    if len(set(seg_of))<2: return None
    out=[]
    for (s,e),k in zip(spans,seg_of):
        a,b=segs[k]
        if e> b: return None
        # strip leading punctuation/space
        t=text[a:b]; lead=len(t)-len(t.lstrip(' ,;:')); t=t.strip(' ,;:'); a2=a+lead
        out.append((t, s-a2, e-a2))
    return out
def score(items, model):
    inp='\n'.join(json.dumps({'id':str(i),'text':t,'targets':[{'start':s,'end':e} for s,e in tg]}) for i,(t,tg) in enumerate(items))+'\n'
    r=subprocess.run(['target/release/stance','score','--model',model,'--precision','fp32','--quiet','-'],input=inp,capture_output=True,text=True)
    if r.returncode: sys.exit(r.stderr[:2000])
    return [json.loads(l) for l in r.stdout.splitlines()]

def macro(gold, pred):
    L=('against','neutral','favor'); f=[]
    for l in L:
        tp=sum(g==l and p==l for g,p in zip(gold,pred)); fp=sum(g!=l and p==l for g,p in zip(gold,pred)); fn=sum(g==l and p!=l for g,p in zip(gold,pred))
        pr=tp/(tp+fp) if tp+fp else 0; rc=tp/(tp+fn) if tp+fn else 0; f.append(2*pr*rc/(pr+rc) if pr+rc else 0)
    return sum(f)/3
def run_corpus(path, split, model):
    rows=[json.loads(l) for l in open(path)]
    rows=[r for r in rows if r['split']==split]
    by=collections.OrderedDict()
    for r in rows: by.setdefault((r['source'],r['unit'],r['position']),[]).append(r)
    whole=[]; clause=[]; idx=[]  # per pair: (item index, target index) in each run
    for k,rs in by.items():
        text=rs[0]['text']; spans=[(r['start'],r['end']) for r in rs]
        whole.append((text,spans))
        p=plan(text,spans)
        for j,r in enumerate(rs):
            if p: clause.append((p[j][0],[(p[j][1],p[j][2])])); idx.append(('c',len(clause)-1,0))
            else: idx.append(('w',len(whole)-1,j))
    sw=score(whole,model); sc=score(clause,model) if clause else []
    pairs=[r for rs in by.values() for r in rs]
    wl=[]; cl=[]; wi=0
    flat_w=[(i,j) for i,(t,sp) in enumerate(whole) for j in range(len(sp))]
    for r,(f,i,j),(wi_,wj) in zip(pairs,idx,flat_w):
        wl.append(sw[wi_]['targets'][wj]['label'])
        cl.append(sc[i]['targets'][0]['label'] if f=='c' else sw[i]['targets'][j]['label'])
    gold=[r['label'] for r in pairs]
    split_mask=[f=='c' for f,_,_ in idx]
    ks={r['id'] for rs in by.values() if len({x['label'] for x in rs})>1 for r in rs}
    multi={r['id'] for rs in by.values() if len(rs)>1 for r in rs}
    def sub(mask): 
        g=[x for x,m in zip(gold,mask) if m]; return len(g), macro(g,[x for x,m in zip(wl,mask) if m]), macro(g,[x for x,m in zip(cl,mask) if m])
    print(model, split, 'pairs', len(gold), 'split pairs', sum(split_mask))
    print(' all  whole %.4f clause %.4f' % (macro(gold,wl), macro(gold,cl)))
    for name,mask in (('split',split_mask),('multi',[r['id'] in multi for r in pairs]),('differ',[r['id'] in ks for r in pairs]),('UN',[r['source']=='un-general-debate' for r in pairs]),('BBC',[r['source']=='bbc-news' for r in pairs])):
        n,a,b=sub(mask); print(f' {name} n={n} whole {a:.4f} clause {b:.4f}')
    acc_w=sum(g==p for g,p in zip(gold,wl)); acc_c=sum(g==p for g,p in zip(gold,cl)); print(' right whole',acc_w,'clause',acc_c)
    return pairs, wl, cl, split_mask
if __name__=='__main__':
    run_corpus(sys.argv[1], sys.argv[2], sys.argv[3])
